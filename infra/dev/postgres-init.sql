-- One database per service that uses PostgreSQL (the image creates `syllabus` itself).
CREATE DATABASE catalog OWNER syllabus;
CREATE DATABASE notification OWNER syllabus;
